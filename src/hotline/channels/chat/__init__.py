"""Web chat channel: `ChatService` (bot first, then the queues), settings, rate limits, and the
embeddable widget (`static/widget.js`, served at `/chat/widget.js`)."""
