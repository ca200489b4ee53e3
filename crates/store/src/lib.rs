//! Persistence for the server.
