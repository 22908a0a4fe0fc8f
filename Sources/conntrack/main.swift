print("conntrack: not implemented yet")
