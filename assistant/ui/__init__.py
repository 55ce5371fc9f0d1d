"""The Gradio staff UI mounted at /ui: a shopper chat tab and the customer-service Copilot tab."""
