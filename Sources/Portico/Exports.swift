// Programs embedding Portico need only `import Portico`.
@_exported import PorticoConfig
@_exported import PorticoCore
@_exported import PorticoFilters
@_exported import PorticoHTTP
