"""tracking holds no models of its own: the links of a parcel's chain (``CheckpointEvent``) belong to the parcel
(``apps.parcels.models``); tracking captures scans into them and reads them as traces."""
