"""EcoPulse domain package, shared by every Lambda through the core layer."""
