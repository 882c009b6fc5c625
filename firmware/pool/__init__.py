"""Mining for a pool: stratum v1 client, work builder, share checks, failover, offline heat.

The daemon uses `PoolManager` (with `PoolConfig` entries in failover order) and reads
`PoolStatus`; see docs/stratum.md.
"""

from firmware.pool.config import PoolConfig, PoolConfigError, parse_pool_url
from firmware.pool.manager import PoolManager
from firmware.pool.offline import OfflineTag
from firmware.pool.status import PoolState, PoolStatus
from firmware.pool.work import ShareTag

__all__ = [
    "OfflineTag",
    "PoolConfig",
    "PoolConfigError",
    "PoolManager",
    "PoolState",
    "PoolStatus",
    "ShareTag",
    "parse_pool_url",
]
