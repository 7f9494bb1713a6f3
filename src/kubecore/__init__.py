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
from kubecore.mapping import ResourceInfo, RESTMapper

__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadRequest",
    "Client",
    "ClusterConfig",
    "ConfigError",
    "Conflict",
    "ExecConfig",
    "Forbidden",
    "Gone",
    "Invalid",
    "KubeError",
    "NoMatchError",
    "NotFound",
    "RESTMapper",
    "ResourceInfo",
    "ServerError",
    "TooManyRequests",
    "Unauthorized",
    "load_config",
    "load_incluster",
    "load_kubeconfig",
]
