"""人民调解协议书: the agreement drafted from a resolved case, the parties' signatures, its PDF."""
