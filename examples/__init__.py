"""The shipped examples: price books and scenarios that `linkledger demo` runs."""
