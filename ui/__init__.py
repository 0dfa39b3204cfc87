"""The Gradio chat front end."""
