"""Offline tooling: the realistic mocks and the offline run of the program."""
