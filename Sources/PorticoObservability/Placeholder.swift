import Prometheus
import Logging
