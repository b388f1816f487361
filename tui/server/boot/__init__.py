"""Starting the app server: building the app, key custody, the AWS resources it creates,
the room's stores.
"""
