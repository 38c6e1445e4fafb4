"""The intake service: accepts, validates and keeps tickets, and serves the site beside them."""
