"""kstatus package."""
