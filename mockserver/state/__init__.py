"""The state file: storage (SQLite log and checkpoints), the checkpointer, and recovery from the file."""
