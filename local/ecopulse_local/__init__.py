"""Runs template.yaml on one machine: an AWS emulator, the functions, the HTTP API and the dashboard."""
