// Placeholder: replaced by the ConntrackTool implementation.
