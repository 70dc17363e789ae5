"""Native sample app: a route computed by the app's own C extension."""
