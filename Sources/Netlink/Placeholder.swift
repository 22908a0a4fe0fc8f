// Placeholder: replaced by the Netlink implementation.
