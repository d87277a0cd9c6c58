//! SDK errors in kaudit's terms: refused permissions name the IAM action, expired credentials
//! and throttling are told apart from everything else, and AWS's message is kept verbatim.

use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::types::CloudError;

/// An SDK error of the operation `action` (its API name: `StartQuery`).
pub(super) fn from_sdk<E, R>(action: &str, err: SdkError<E, R>) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + 'static,
{
    if let SdkError::ServiceError(service) = &err {
        let e = service.err();
        let code = e.code().unwrap_or("Unknown").to_string();
        let message = e.message().unwrap_or_default().to_string();
        return classify(action, code, message);
    }
    // A role that could not be assumed surfaces as a failure to load credentials, STS's answer
    // buried in the SDK's dispatch error: said as the STS refusal it is.
    if let Some(refusal) = assume_role_refusal(&err) {
        return refusal;
    }
    let detail = readable(&DisplayErrorContext(&err).to_string());
    let lower = detail.to_ascii_lowercase();
    if lower.contains("no credentials found in chain") {
        return CloudError::NoCredentials {
            detail: "tried the environment, the profile files, web identity, the container and instance metadata".into(),
        };
    }
    if lower.contains("no credentials") || lower.contains("credentials provider") {
        return CloudError::NoCredentials { detail };
    }
    CloudError::Transport {
        action: format!("logs:{action}"),
        message: detail,
    }
}

type AssumeRoleFailure = aws_sdk_sts::error::SdkError<
    aws_sdk_sts::operation::assume_role::AssumeRoleError,
    aws_smithy_runtime_api::http::Response,
>;

/// STS's answer to the AssumeRole that loading credentials sent, when `err` was caused by one.
fn assume_role_refusal(err: &(dyn std::error::Error + 'static)) -> Option<CloudError> {
    let mut cause = err.source();
    while let Some(e) = cause {
        if let Some(AssumeRoleFailure::ServiceError(service)) =
            e.downcast_ref::<AssumeRoleFailure>()
        {
            let e = service.err();
            let code = e.code().unwrap_or("Unknown").to_string();
            let message = e.message().unwrap_or_default().to_string();
            return Some(classify_as("sts:AssumeRole".into(), code, message));
        }
        cause = e.source();
    }
    None
}

/// The SDK's account of an error without the debug dump it appends, on one line.
fn readable(full: &str) -> String {
    let cut = [
        " (DispatchFailure(",
        " (TimeoutError(",
        " (ResponseError(",
        " (ConstructionFailure(",
        " (ServiceError(",
    ]
    .iter()
    .filter_map(|m| full.find(m))
    .min()
    .unwrap_or(full.len());
    full[..cut].split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An error CloudWatch Logs answered `action` (its API name) with, by its code.
pub(super) fn classify(action: &str, code: String, message: String) -> CloudError {
    classify_as(format!("logs:{action}"), code, message)
}

/// An error AWS answered the IAM action `action` (`sts:AssumeRole`) with, by its code.
fn classify_as(action: String, code: String, message: String) -> CloudError {
    match code.as_str() {
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
            CloudError::AccessDenied { action, message }
        }
        "ExpiredTokenException"
        | "ExpiredToken"
        | "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch" => CloudError::BadCredentials { code, message },
        "ThrottlingException"
        | "Throttling"
        | "LimitExceededException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded" => CloudError::Throttled {
            action,
            code,
            message,
        },
        "ResourceNotFoundException" => CloudError::NotFound { message },
        _ => CloudError::Service {
            action,
            code,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_debug_dump_is_left_out() {
        assert_eq!(
            readable(
                "dispatch failure: io error: refused\n  more (DispatchFailure(DispatchFailure { x }))"
            ),
            "dispatch failure: io error: refused more"
        );
    }

    #[test]
    fn codes_become_errors_that_say_what_to_do() {
        let e = classify(
            "StartQuery",
            "AccessDeniedException".into(),
            "User: arn:aws:iam::1:user/x is not authorized to perform: logs:StartQuery".into(),
        );
        assert!(
            matches!(&e, CloudError::AccessDenied { action, .. } if action == "logs:StartQuery")
        );
        assert!(e.to_string().contains("needs `logs:StartQuery`"), "{e}");
        let e = classify(
            "GetQueryResults",
            "ExpiredTokenException".into(),
            "expired".into(),
        );
        assert!(matches!(e, CloudError::BadCredentials { .. }));
        assert!(e.to_string().contains("aws sso login"));
        for code in ["ThrottlingException", "LimitExceededException"] {
            assert!(classify("StartQuery", code.into(), String::new()).is_throttling());
        }
        let e = classify("StartQuery", "MalformedQueryException".into(), "bad".into());
        assert_eq!(
            e.to_string(),
            "logs:StartQuery failed: MalformedQueryException: bad"
        );
    }
}
