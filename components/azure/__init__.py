"""Azure: the platform's resources, composed into the cloud-neutral :class:`Platform`."""
