#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Calendar arithmetic for the `Date` header and log timestamps, without Foundation's
/// formatters (which allocate and take locks; these run on the hot path).
public enum HTTPDate {
    /// Seconds and nanoseconds since the Unix epoch, from the real-time clock.
    public static func now() -> (seconds: Int, nanoseconds: Int) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (Int(spec.tv_sec), Int(spec.tv_nsec))
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7 IMF-fixdate).
    public static func imfFixdate(epochSeconds: Int) -> String {
        let civil = Civil(epochSeconds: epochSeconds)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let weekday = weekdays[((days % 7) + 7) % 7]
        return
            "\(weekday), \(two(civil.day)) \(months[civil.month - 1]) \(civil.year) \(two(civil.hour)):\(two(civil.minute)):\(two(civil.second)) GMT"
    }

    /// `2026-11-21T08:49:37.123Z` (RFC 3339, UTC, milliseconds).
    public static func iso8601(epochSeconds: Int, nanoseconds: Int) -> String {
        let civil = Civil(epochSeconds: epochSeconds)
        let millis = nanoseconds / 1_000_000
        let millisText = millis < 10 ? "00\(millis)" : (millis < 100 ? "0\(millis)" : "\(millis)")
        return
            "\(civil.year)-\(two(civil.month))-\(two(civil.day))T\(two(civil.hour)):\(two(civil.minute)):\(two(civil.second)).\(millisText)Z"
    }

    private static func two(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    /// A UTC calendar date and time (Howard Hinnant's days-to-civil algorithm).
    struct Civil {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
        var second: Int

        init(epochSeconds: Int) {
            let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
            let secondsOfDay = epochSeconds - days * 86_400
            self.hour = secondsOfDay / 3600
            self.minute = secondsOfDay % 3600 / 60
            self.second = secondsOfDay % 60
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let monthPrime = (5 * dayOfYear + 2) / 153
            self.day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
            self.month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
            self.year = yearOfEra + era * 400 + (self.month <= 2 ? 1 : 0)
        }
    }
}

/// The `Date` header value, formatted at most once per second (per event loop).
public struct HTTPDateCache {
    private var second = -1
    private var text = ""

    /// An empty cache.
    public init() {}

    /// The current IMF-fixdate.
    public mutating func current() -> String {
        let now = HTTPDate.now().seconds
        if now != self.second {
            self.second = now
            self.text = HTTPDate.imfFixdate(epochSeconds: now)
        }
        return self.text
    }
}
