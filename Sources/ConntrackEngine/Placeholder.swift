// Placeholder: replaced by the ConntrackEngine implementation.
