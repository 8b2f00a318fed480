"""Center configuration files: YAML/JSON in, frozen `CenterConfig` out, and back again.

The file format is documented in `hotline.config.schema`; loading and the one exception type,
`ConfigError`, in `hotline.config.loader`.
"""

from hotline.config.loader import (
    ConfigError,
    config_from_dict,
    config_from_yaml,
    dump_config,
    load_config,
    load_demo_config,
)

__all__ = [
    "ConfigError",
    "config_from_dict",
    "config_from_yaml",
    "dump_config",
    "load_config",
    "load_demo_config",
]
