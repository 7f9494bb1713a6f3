"""What the live objects say: ``ResourcesHealthy`` from GRM's per-kind checks (``checks``) and
``ResourcesProgressing`` from kstatus (``assess``). Pure: the live objects come from the target cache.
"""
