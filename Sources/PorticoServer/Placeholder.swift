import NIOPosix
import NIOHTTP1
import NIOExtras
import Atomics
