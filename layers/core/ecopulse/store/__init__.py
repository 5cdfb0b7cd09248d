"""DynamoDB adapters: pynamodb models on the single application table and the repositories over them."""
