"""The server process: the WSGI server around the app, its listener, and the shadow mock the proxy uses."""
