"""kubecore: the async Kubernetes client core shared by kstatus and resource_manager.

aiohttp + orjson, raw dicts end to end. See docs/client-core.md for the public API.
"""

from kubecore.client import Client
from kubecore.config import ClusterConfig, ExecConfig, load_config, load_incluster, load_kubeconfig
from kubecore.errors import (
    AlreadyExists,
    ApiError,
    BadRequest,
    ConfigError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    Gone,
    Invalid,
    KubeError,
    NoMatchError,
    NotFound,
    ServerError,
    TooManyRequests,
    Unauthorized,
)
from kubecore.informer import Informer
from kubecore.leaderelection import LeaderElector
from kubecore.mapping import ResourceInfo, RESTMapper
from kubecore.ratelimit import (
    Backoff,
    BucketRateLimiter,
    ItemExponentialRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    TokenBucket,
    default_controller_rate_limiter,
)
from kubecore.reflector import Reflector, ReflectorSink
from kubecore.store import IndexFunc, Store, namespace_index, object_key
from kubecore.workqueue import ShutDown, WorkQueue

__all__ = [
    "AlreadyExists",
    "ApiError",
    "Backoff",
    "BadRequest",
    "BucketRateLimiter",
    "Client",
    "ClusterConfig",
    "ConfigError",
    "Conflict",
    "ConnectionFailed",
    "ExecConfig",
    "Forbidden",
    "Gone",
    "IndexFunc",
    "Informer",
    "Invalid",
    "ItemExponentialRateLimiter",
    "KubeError",
    "LeaderElector",
    "MaxOfRateLimiter",
    "NoMatchError",
    "NotFound",
    "RESTMapper",
    "RateLimiter",
    "Reflector",
    "ReflectorSink",
    "ResourceInfo",
    "ServerError",
    "ShutDown",
    "Store",
    "TokenBucket",
    "TooManyRequests",
    "Unauthorized",
    "WorkQueue",
    "default_controller_rate_limiter",
    "load_config",
    "load_incluster",
    "load_kubeconfig",
    "namespace_index",
    "object_key",
]
