"""kubecore: the async Kubernetes client core shared by kstatus and resource_manager.

aiohttp + orjson, raw dicts end to end. See docs/client-core.md for the public API. The names below
are loaded on first use (PEP 562), so that a command's `-h` (which imports `kubecore.cli`) does not
load aiohttp and the rest of the client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubecore.lazy import lazy_getattr

if TYPE_CHECKING:
    from kubecore.client import Client as Client
    from kubecore.config import ClusterConfig as ClusterConfig
    from kubecore.config import ExecConfig as ExecConfig
    from kubecore.config import load_config as load_config
    from kubecore.config import load_incluster as load_incluster
    from kubecore.config import load_kubeconfig as load_kubeconfig
    from kubecore.errors import AlreadyExists as AlreadyExists
    from kubecore.errors import ApiError as ApiError
    from kubecore.errors import BadRequest as BadRequest
    from kubecore.errors import ConfigError as ConfigError
    from kubecore.errors import Conflict as Conflict
    from kubecore.errors import ConnectionFailed as ConnectionFailed
    from kubecore.errors import Forbidden as Forbidden
    from kubecore.errors import Gone as Gone
    from kubecore.errors import Invalid as Invalid
    from kubecore.errors import KubeError as KubeError
    from kubecore.errors import NoMatchError as NoMatchError
    from kubecore.errors import NotFound as NotFound
    from kubecore.errors import ServerError as ServerError
    from kubecore.errors import TooManyRequests as TooManyRequests
    from kubecore.errors import Unauthorized as Unauthorized
    from kubecore.informer import Informer as Informer
    from kubecore.leaderelection import LeaderElector as LeaderElector
    from kubecore.mapping import ResourceInfo as ResourceInfo
    from kubecore.mapping import RESTMapper as RESTMapper
    from kubecore.paths import ListOptions as ListOptions
    from kubecore.ratelimit import Backoff as Backoff
    from kubecore.ratelimit import BucketRateLimiter as BucketRateLimiter
    from kubecore.ratelimit import ItemExponentialRateLimiter as ItemExponentialRateLimiter
    from kubecore.ratelimit import MaxOfRateLimiter as MaxOfRateLimiter
    from kubecore.ratelimit import RateLimiter as RateLimiter
    from kubecore.ratelimit import TokenBucket as TokenBucket
    from kubecore.ratelimit import default_controller_rate_limiter as default_controller_rate_limiter
    from kubecore.reflector import Reflector as Reflector
    from kubecore.reflector import ReflectorSink as ReflectorSink
    from kubecore.store import IndexFunc as IndexFunc
    from kubecore.store import Store as Store
    from kubecore.store import namespace_index as namespace_index
    from kubecore.store import object_key as object_key
    from kubecore.workqueue import ShutDown as ShutDown
    from kubecore.workqueue import WorkQueue as WorkQueue

_EXPORTS = {
    "AlreadyExists": "kubecore.errors",
    "ApiError": "kubecore.errors",
    "Backoff": "kubecore.ratelimit",
    "BadRequest": "kubecore.errors",
    "BucketRateLimiter": "kubecore.ratelimit",
    "Client": "kubecore.client",
    "ClusterConfig": "kubecore.config",
    "ConfigError": "kubecore.errors",
    "Conflict": "kubecore.errors",
    "ConnectionFailed": "kubecore.errors",
    "ExecConfig": "kubecore.config",
    "Forbidden": "kubecore.errors",
    "Gone": "kubecore.errors",
    "IndexFunc": "kubecore.store",
    "Informer": "kubecore.informer",
    "Invalid": "kubecore.errors",
    "ItemExponentialRateLimiter": "kubecore.ratelimit",
    "KubeError": "kubecore.errors",
    "LeaderElector": "kubecore.leaderelection",
    "ListOptions": "kubecore.paths",
    "MaxOfRateLimiter": "kubecore.ratelimit",
    "NoMatchError": "kubecore.errors",
    "NotFound": "kubecore.errors",
    "RESTMapper": "kubecore.mapping",
    "RateLimiter": "kubecore.ratelimit",
    "Reflector": "kubecore.reflector",
    "ReflectorSink": "kubecore.reflector",
    "ResourceInfo": "kubecore.mapping",
    "ServerError": "kubecore.errors",
    "ShutDown": "kubecore.workqueue",
    "Store": "kubecore.store",
    "TokenBucket": "kubecore.ratelimit",
    "TooManyRequests": "kubecore.errors",
    "Unauthorized": "kubecore.errors",
    "WorkQueue": "kubecore.workqueue",
    "default_controller_rate_limiter": "kubecore.ratelimit",
    "load_config": "kubecore.config",
    "load_incluster": "kubecore.config",
    "load_kubeconfig": "kubecore.config",
    "namespace_index": "kubecore.store",
    "object_key": "kubecore.store",
}
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
    "ListOptions",
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


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())
