"""Small widgets and drawing helpers that several views share: image panels, icons, class colours, form rows."""
