"""The wire format shared by client and server: operation payloads and value encoding."""
