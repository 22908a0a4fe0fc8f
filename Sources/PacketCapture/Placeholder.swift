// Placeholder: replaced by the PacketCapture implementation.
