"""The main window and what frames the images: menus, the study browser, problems, exports."""
