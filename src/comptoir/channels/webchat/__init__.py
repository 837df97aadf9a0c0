"""Web chat: the brand's embeddable widget (served by :mod:`comptoir.web.webchat`)."""
