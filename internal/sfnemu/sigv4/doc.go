// Package sigv4 checks AWS Signature Version 4 on requests to an emulated AWS
// JSON API, so that an emulator answers only the holders of its credentials, and
// refuses the others as the AWS service would: with the AWS error code, HTTP
// status and message an SDK or the aws CLI reports unchanged.
//
// The check is the real algorithm: the canonical request (method, canonical URI,
// canonical query string, the canonical headers SignedHeaders names, the signed
// header list and the payload hash), the string to sign with the credential
// scope date/region/service/aws4_request, the signing key derived from the secret
// by the HMAC-SHA256 chain, and a constant-time comparison of the signatures.
//
// Refusals, in the AWS JSON 1.0 shape {"__type": code, "message": ...}, with the
// code also in X-Amzn-ErrorType (the codes and statuses of AWS's common errors,
// the messages AWS's JSON services send):
//
//   - no Authorization header: 403 MissingAuthenticationToken, "Missing
//     Authentication Token";
//   - an Authorization header that is not a well-formed AWS4-HMAC-SHA256 one (a
//     missing part, no X-Amz-Date, host or x-amz-date unsigned, a scope not of the
//     form key/date/region/service/aws4_request): 400 IncompleteSignature;
//   - an access key id the Verifier does not know, or any session token: 400
//     UnrecognizedClientException, "The security token included in the request
//     is invalid.";
//   - a signature that does not match, a scope for another service or another
//     date than X-Amz-Date's, or an X-Amz-Date more than 15 minutes from the
//     Verifier's clock: 400 InvalidSignatureException, "The request signature we
//     calculated does not match...", "Signature expired: ... is now earlier than
//     ... (... - 15 min.)" or "Signature not yet current: ... is still later than
//     ... (... + 15 min.)";
//   - a body larger than MaxBody: 400 ValidationException, the code the emulator
//     itself gives an oversized request.
//
// Decisions:
//
//   - The missing-signature code is MissingAuthenticationToken, as AWS's common
//     errors name it; some AWS JSON endpoints spell it
//     MissingAuthenticationTokenException, which SDKs report as another code.
//   - Session tokens (X-Amz-Security-Token) are refused: the Verifier's keys are
//     long-term keys, and AWS answers a token it did not issue with
//     UnrecognizedClientException.
//   - The payload hash is always computed from the body received, whatever
//     X-Amz-Content-Sha256 claims: a body changed after signing, or one sent as
//     UNSIGNED-PAYLOAD, fails the comparison. The body is read whole (up to
//     MaxBody) and handed on to the wrapped handler.
//   - Only header authentication: a presigned query string is not a way in to a
//     JSON API and counts as no authentication.
//   - The canonical URI is the path with dot segments and empty segments removed
//     (a trailing slash kept), each segment URI-encoded once more, as AWS does for
//     services other than S3 and as the SDKs sign. Any region is accepted: the
//     emulator is not in one, and the region is still part of what is signed.
//   - The clock is the Verifier's own (the wall clock by default), not the
//     emulated world's: clients sign with theirs.
//
// Like the rest of the sfnemu subtree it imports nothing from Ferry's domain.
package sigv4
