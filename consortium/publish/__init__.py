"""Bid package builders: pure functions from a `PackageInput` to the bytes vendors receive.

Nothing here reads the database, the clock or the network: the same input always gives the same
bytes (see `build.build_package`). The service layer (`consortium.services.publishing`) turns
database rows into a `PackageInput` and stores what is built.
"""
