"""Shared mailboxes in (IMAP), receipts out (SMTP)."""
