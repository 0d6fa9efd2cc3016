// Copies of Tests/Fixtures/peers/{rsa,ec}_{cert,key}.pem (test-only keys), embedded so the
// tests need no file access.
enum TestIdentities {
    static let rsaCertPEM = """
        -----BEGIN CERTIFICATE-----
        MIIDBzCCAe+gAwIBAgIUeXf9/Ryivgo6DL+BPlXk24yAwo8wDQYJKoZIhvcNAQEL
        BQAwEzERMA8GA1UEAwwIcGVlci1yc2EwHhcNMjYxMTIyMDg1OTA3WhcNMzYxMTE5
        MDg1OTA3WjATMREwDwYDVQQDDAhwZWVyLXJzYTCCASIwDQYJKoZIhvcNAQEBBQAD
        ggEPADCCAQoCggEBAKjsG9VA57TVukH5KNkUgsilH9xw49wWazOmZKwFi/VZwA4K
        X9pO1iEH1Q81/Cyr2XqZsgDdPjExEu1HnUvsyLZ6Va1WapynsKZTEuYAuyYL9/jm
        CYwOspmGHreDJkh9joRi+/ZDU/8XWAzV6jpXj7/YacZqxIo7SrbQflscQJomWyUL
        bd6H9ohlbbyt6oxMk1QtDNVAZtsc/At/BqroX66yxy2yyNIiNtBQz1W+qoYfPcY9
        +QbbRKGnOPhuSHu0y4tns5oEjrFiaKJbsX4ewVRooGYKkdzce0y2/IFXp5Y5h5kj
        t+E9rKIH3uPli7N4yNygQP65d4aJW6AA9Mk38V0CAwEAAaNTMFEwHQYDVR0OBBYE
        FOOB6ahKdqLzJPfAaYBolVZvOad3MB8GA1UdIwQYMBaAFOOB6ahKdqLzJPfAaYBo
        lVZvOad3MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAFaI6ccK
        z71iB6/YUwL0g7y5VaMGp6FnC5JDcQ+a7gP9Cgw0nRL2mKlhntSow4Zdi8Ekvwic
        IxpZ4xrGtYAtDPY7eca/qIh4fRYNj2LDr+nQ0zwQGFxwFl1C+RMjZ70IKCPwVDi2
        7tCHw4MnONFGu8uz2dt/fc441IWzWmGNwYd2OYAaAniAiX0JX/YX8lEIhMAed/AI
        YNmpvPI0jiZ1soCABsub0AXof69M6o7tnjubcVS3obyZsMtnFGniXLSaRe/0d0pp
        VRx5P+C8/g63axnCrVs6ChA9xXfRs7EazNWd8Li4pVHyv1+F8Gsyjh68+YrfD+S3
        H5hrXnk9WFCUcjw=
        -----END CERTIFICATE-----
        """
    static let rsaKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCo7BvVQOe01bpB
        +SjZFILIpR/ccOPcFmszpmSsBYv1WcAOCl/aTtYhB9UPNfwsq9l6mbIA3T4xMRLt
        R51L7Mi2elWtVmqcp7CmUxLmALsmC/f45gmMDrKZhh63gyZIfY6EYvv2Q1P/F1gM
        1eo6V4+/2GnGasSKO0q20H5bHECaJlslC23eh/aIZW28reqMTJNULQzVQGbbHPwL
        fwaq6F+ussctssjSIjbQUM9VvqqGHz3GPfkG20Shpzj4bkh7tMuLZ7OaBI6xYmii
        W7F+HsFUaKBmCpHc3HtMtvyBV6eWOYeZI7fhPayiB97j5YuzeMjcoED+uXeGiVug
        APTJN/FdAgMBAAECggEAHbzvS3QxNm836pxkGg9X1N3pBYRkQN87gSzGZVhWottp
        ia8+365oWQlJc3OUEQMx9rjvEuLgK4XRqK8mXHLzhNh1k932R9znpuhSF+bCC7ko
        rwtEXAFMZOWtK65tg26DNAA/DkQdGffwmtXf9eRrXKFLQdCTCCjXBucej4iiQOC9
        ixNAbFtnhm3hjhBMT8V6DGG/XIGkAb8KJciWs+JEFYmhFKz2yA5Pucu0nq/cR32U
        rTjRq9hyPyRHHY3v8qlkEKkImff713YMhZz86YVCjAourdVs0THhv13XcaCFCiRL
        JZ2vpMfjWCRRQAK3R9cAM5l6tpM0/QB297+po37H2wKBgQDR4ch/EmUSezjU0FRj
        +F2XpZvQz36MNU/Ia11oY97TQQXAME+lmjZelFjpB2R37sOuysbwupP1Rld+ZWiN
        +vim6DghZN/IQrtUBT35KOekfK9w6V2Ipx/EMWLNZEyGmMDw2JqI5s9IME3tgA+1
        D0DCxn+sWHMqlTbc4f3ob3IF/wKBgQDOCkZZkO4YisY9+Uccq6hiHkqAz/YNYlvJ
        lFU3zOmTWwhloM3/mCaazY9Q4UB4hYsa1Gyjs+Kd0DYKNm20MCODrkn7EgoerVwd
        85WjJ1vgplDInuY+50kGju3VJpuHLP3QO8N0tNYTlrBWc45+84OssqFEYaAHjfaO
        wfKNt6HgowKBgFXE7Qhw3fkFfh4J3NLVxnmYZeqZQN/PUYFXzt5AIek240C8/W9x
        a9KO0R65tKcGXdVqbI4n0Rsk2dB/ZJDRBRhAQd/ztzfBfYhCdCcEPlWL1q5Pz7du
        hJ7Kh9Pjrxo6Bm7mNZDIseCQTOhHsyOMzixKrhYiNz4pqDfv6rE4CeLFAoGAByo2
        ThELJpFU2XzcqzOQ9HCHOLmCne6IsJbW68zVZolo3lfcMgIxfXqefDqJCmficXln
        mb28qK4/4tUHtZdi9MZPzkpPTcfLh0McNgM9X6+I6aEU8qUKVg8MWDgyel3nKaGa
        Z2mOdDnuQeNc1i9TqeLAVudqMDkQlOBLtf/nwi8CgYBWS0ae3MAybSXsdkXLcKVH
        p5kBdSQN6yDWbRe56DVL+IkuFYnVQ1qBUdrMUaDrnaZ1JxjzArTyREM7QpUOM//y
        lpuLm1AGdkhi6HvuyRd6CpNyeHBJfzd5EwbfjX7jhdEhMLYm4EdmqaxznruTQtUw
        BIc31sTRoHuNGJqFtWo1NQ==
        -----END PRIVATE KEY-----
        """
    static let ecCertPEM = """
        -----BEGIN CERTIFICATE-----
        MIIBejCCAR+gAwIBAgIUUh66lfe2TGY4+Is+LLjx3UkvQN8wCgYIKoZIzj0EAwIw
        EjEQMA4GA1UEAwwHcGVlci1lYzAeFw0yNjExMjIwODU5MDdaFw0zNjExMTkwODU5
        MDdaMBIxEDAOBgNVBAMMB3BlZXItZWMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
        AAQ3blXIOdJajX98bMFHZLgBbi6a2wTV0J/OPR/6PBSWFymYdSeexoFQoPIdtnAl
        6r9if/2xg4lkGSs0skQBz4Mto1MwUTAdBgNVHQ4EFgQUmw/ZMjkvdBpPz0kbHIJI
        l3zjqlQwHwYDVR0jBBgwFoAUmw/ZMjkvdBpPz0kbHIJIl3zjqlQwDwYDVR0TAQH/
        BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA+k/7JmN2PvaO566SE61nTZzJnxR7
        5R8CG1c57JbJgcECIQCMvWDB/wfCdBZrHI4kusAKl0Ubvuk9zdznC/kqptnslw==
        -----END CERTIFICATE-----
        """
    static let ecKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgO9JJmdVIoJUFmkrA
        zcmUN/wvw/cfA7oX3vTzc8VrA9ShRANCAAQ3blXIOdJajX98bMFHZLgBbi6a2wTV
        0J/OPR/6PBSWFymYdSeexoFQoPIdtnAl6r9if/2xg4lkGSs0skQBz4Mt
        -----END PRIVATE KEY-----
        """
}
