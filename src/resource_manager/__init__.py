"""resource_manager package."""
