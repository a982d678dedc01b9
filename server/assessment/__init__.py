"""考核: parties' ratings of the service and assessment figures per organisation and mediator."""
