"""The tray app (PySide6): renders the accounts service's state and forwards intents.

Nothing here talks to the network or the keyring on the UI thread: every
service call runs on ``worker.Worker``'s thread and comes back as a signal.
"""
