"""Helpers for EchoChat system tests: stack (env files, extra instances), rawhttp, ws."""
