"""The generic API channel: messages posted to our HTTP API, replies POSTed to the account's callback URL."""
