@testable import Tiering
import XCTest

final class S3XMLTests: XCTestCase {
    func testListBucketResult() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Name>bucket</Name><Prefix>t/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
              <IsTruncated>true</IsTruncated>
              <Contents><Key>t/a &amp; b.log</Key><Size>10</Size><ETag>&quot;abc&quot;</ETag></Contents>
              <Contents><Key><![CDATA[t/<c>]]></Key><Size>0</Size></Contents>
              <!-- a comment -->
              <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
            </ListBucketResult>
            """
        let root = try XCTUnwrap(S3XML.parse(Array(body.utf8)))
        XCTAssertEqual(root.name, "ListBucketResult")
        XCTAssertEqual(root["IsTruncated"], "true")
        XCTAssertEqual(root.children(named: "Contents").map { $0["Key"] }, ["t/a & b.log", "t/<c>"])
        XCTAssertEqual(root.children(named: "Contents").first?["ETag"], "\"abc\"")
        XCTAssertEqual(root["NextContinuationToken"], "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
    }

    func testErrorBodyAndCharacterReferences() throws {
        let error = try XCTUnwrap(S3ErrorBody(Array("<Error><Code>SlowDown</Code><Message>Please reduce your request rate &#x263A; &#65;</Message></Error>".utf8)))
        XCTAssertEqual(error.code, "SlowDown")
        XCTAssertEqual(error.message, "Please reduce your request rate ☺ A")
        XCTAssertNil(S3ErrorBody(Array("<ListBucketResult/>".utf8)))
        XCTAssertEqual(S3XML.parse(Array("<a:Root xmlns:a='x'><a:Child/></a:Root>".utf8))?.children.map(\.name), ["Child"])
    }

    func testMalformedInputIsRefused() {
        for text in ["", "not xml", "<a><b></a>", "<a>", "<a>&bogus;</a>", "<a></a><b></b>", "<a>&#xFFFFFFFF;</a>",
                     String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)] {
            XCTAssertNil(S3XML.parse(Array(text.utf8)), text)
        }
    }

    func testEscapeRoundTrips() {
        let text = "\"etag\" <&> 'x'"
        XCTAssertEqual(S3XML.escape(text), "&quot;etag&quot; &lt;&amp;&gt; &apos;x&apos;")
        XCTAssertEqual(S3XML.parse(Array("<v>\(S3XML.escape(text))</v>".utf8))?.text, text)
    }
}
