"""The rent.php wire: dispatch, validation, dialect rendering."""
