"""Secret data ↔ manifests: the first step of a reconcile and its reverse.

``secret_data`` turns the data keys of an MR's Secrets into manifest documents in GRM's order
(``decompress`` unpacks ``.br``/``.gz``/``.zst`` keys within a size limit); ``checksum`` is GRM's hash over
that data (``status.secretsDataChecksum``); ``pack`` does the reverse for
``resource-manager render``. Pure: the Secrets are read by the controller and handed in.
"""
