"""The Qt front end: widgets, item models and the controller that connects them to core and engine."""
