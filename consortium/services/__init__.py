"""Use cases, one module per area. Functions take `session=`, add and flush; the caller's edge
(the web request, or `consortium.db.session_scope` in the CLI and jobs) commits once or rolls
back once."""
