"""The main window and its furniture: actions and menus, layout, status bar, settings panel, dialogs, error
reports. The window composes the views of the other packages over the workspace."""
