print("dtls-srtp")
