//! A simulated GoToWebinar service (REST API v2 + OAuth 2.0) for local flows and tests.
