// Placeholder: replaced by the ConntrackKernel implementation.
