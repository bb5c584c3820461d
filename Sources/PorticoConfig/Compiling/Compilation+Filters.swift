import PorticoCore

extension Compilation {
    /// Every filter instance, built once and shared by all routes that name it.
    mutating func compileFilters() -> [String: any HTTPFilter] {
        var result: [String: any HTTPFilter] = [:]
        for name in self.config.filters.keys.sorted() {
            guard let entry = self.config.filters[name] else { continue }
            let path = ConfigPath.root.key("filters").key(name)
            _ = Validation.checkName(name, kind: "filter", at: path, into: &self.diagnostics)
            guard let configuration = self.filterConfiguration(entry, at: path) else { continue }
            do {
                result[name] = try configuration.makeFilter(
                    context: FilterBuildContext(name: name, baseDirectory: self.baseDirectory)
                )
            } catch let issue as ConfigIssue {
                self.diagnostics.issue(issue, at: path)
            } catch {
                self.diagnostics.error(path, "cannot build filter '\(name)': \(error)")
            }
        }
        return result
    }

    /// The filter's configuration: decoded now, strictly, by the type its `type:` names.
    private mutating func filterConfiguration(_ entry: FilterConfig, at path: ConfigPath) -> (any FilterConfiguration)?
    {
        switch entry.settings {
        case .configuration(let configuration):
            return configuration
        case .written(let written):
            guard let type = self.registry.configurationType(named: entry.type) else {
                let known = self.registry.typeNames
                self.diagnostics.error(
                    path.key("type"),
                    "unknown filter type '\(entry.type)'\(Suggestion.didYouMean(entry.type, among: known))",
                    hint: known.isEmpty ? "no filter types are registered" : "known types: \(Suggestion.list(known))"
                )
                return nil
            }
            let decoded = Self.decode(type, from: written)
            self.diagnostics.append(decoded.errors)
            return decoded.errors.isEmpty ? decoded.value : nil
        }
    }

    private static func decode<T: FilterConfiguration>(
        _ type: T.Type,
        from written: FilterConfig.WrittenSettings
    ) -> (value: (any FilterConfiguration)?, errors: [ConfigError]) {
        let decoded = NodeDecoder.decode(
            type,
            from: written.node,
            path: written.path,
            keyPosition: written.keyPosition,
            file: written.file,
            knownKeys: ["type"]
        )
        return (decoded.value, decoded.errors)
    }
}
